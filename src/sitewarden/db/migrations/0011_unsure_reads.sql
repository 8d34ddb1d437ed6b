-- What an entry gate does with a plate read it is not sure of (issue 22): 'hold' keeps
-- the barrier shut until a person confirms the plate, 'admit' lets the car in and
-- queues the read for review.
ALTER TABLE parking_plate_settings ADD COLUMN unsure_reads TEXT NOT NULL DEFAULT 'hold';
