-- Alarm states as ISA-18.2 / IEC 62682 has them (issue 19). An alarm whose condition
-- clears before anyone acknowledged it is 'returned' (returned-unacknowledged), not
-- resolved: it stays in front of the operator until a person acknowledges it.
-- Shelving hides an alarm from the sound and the banner until a time, with a reason;
-- an alarm can be assigned to an operator.
ALTER TABLE alerts ADD COLUMN returned_at {bigint};
ALTER TABLE alerts ADD COLUMN shelved_until {bigint};
ALTER TABLE alerts ADD COLUMN shelved_by TEXT;
ALTER TABLE alerts ADD COLUMN shelve_reason TEXT;
ALTER TABLE alerts ADD COLUMN assigned_to TEXT;
