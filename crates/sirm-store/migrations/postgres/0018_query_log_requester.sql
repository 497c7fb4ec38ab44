-- SIRM schema v18: the query log by channel and requester (docs/disclosure.md):
-- an organ's queries of the day are counted against its prescribed daily
-- volume (Art 22), and the supervisor's report lists every organ query.
CREATE INDEX query_log_requester ON query_log (channel, requester, time_us);
