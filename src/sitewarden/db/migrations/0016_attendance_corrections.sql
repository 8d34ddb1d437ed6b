-- Corrections of staff attendance (issue 20): an authorised user sets a day's first in
-- or last out, with a reason. The readers' events stay as they were; the attendance
-- figures apply the latest correction of a person's day and say that they did. A
-- person's corrections go with the person (erasure deletes the person's row).
CREATE TABLE attendance_corrections (
    site_id        TEXT NOT NULL,
    person_id      TEXT NOT NULL,
    day            TEXT NOT NULL,
    correction_id  TEXT NOT NULL,
    first_in       {bigint},
    last_out       {bigint},
    reason         TEXT NOT NULL,
    corrected_by   TEXT NOT NULL,
    corrected_at   {bigint} NOT NULL,
    PRIMARY KEY (site_id, person_id, day, correction_id),
    FOREIGN KEY (site_id, person_id) REFERENCES access_people (site_id, person_id)
        ON DELETE CASCADE
);
CREATE INDEX attendance_corrections_day ON attendance_corrections (site_id, day);
