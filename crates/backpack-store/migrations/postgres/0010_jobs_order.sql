-- Taking jobs reads them in (run_at, created_at) order: with run_at alone
-- indexed, every take sorted all the jobs due in the same second (a batch
-- queues thousands), so a long queue slowed every take.
DROP INDEX jobs_due;
CREATE INDEX jobs_due ON jobs (failed_at, run_at, created_at);
