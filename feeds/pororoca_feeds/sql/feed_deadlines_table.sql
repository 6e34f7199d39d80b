-- Every due time of a feed (its schedule) that passed its deadline without a file: one row, recorded once.
CREATE TABLE IF NOT EXISTS gold.feed_deadlines (
    feed varchar,
    due timestamp(6) with time zone,
    deadline timestamp(6) with time zone,
    recorded_at timestamp(6) with time zone
)
