-- Deadlines of a feed already recorded (and alerted) since a moment: never recorded or alerted twice.
SELECT deadline
FROM gold.feed_deadlines
WHERE feed = '{feed}' AND deadline > from_iso8601_timestamp('{since}')
