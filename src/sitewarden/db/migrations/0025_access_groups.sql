-- Named access groups (issue 20): a site names its own groups ('tower-a', 'night-shift')
-- by using them, and a person belongs to zero or more of them besides their type
-- (resident, staff, contractor, visitor). An access rule's group names either; a reader
-- decides for the person's type and named groups together. A person's memberships go
-- with the person (erasure deletes the person's row, and the rows here with it).
CREATE TABLE access_group_members (
    site_id     TEXT NOT NULL,
    person_id   TEXT NOT NULL,
    group_name  TEXT NOT NULL,
    PRIMARY KEY (site_id, person_id, group_name),
    FOREIGN KEY (site_id, person_id) REFERENCES access_people (site_id, person_id)
        ON DELETE CASCADE
);
CREATE INDEX access_group_members_group ON access_group_members (site_id, group_name);
