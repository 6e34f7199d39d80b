-- Files of a feed that count as arrived since a moment: ingested or duplicates (a quarantined file is not one).
SELECT dropped_at
FROM gold.feed_files
WHERE feed = '{feed}' AND status <> 'quarantined' AND dropped_at > from_iso8601_timestamp('{since}')
