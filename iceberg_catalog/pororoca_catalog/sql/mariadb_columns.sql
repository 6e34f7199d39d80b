-- Columns of every base table in one database, in table order; column_type tells unsigned apart.
SELECT c.table_name, c.column_name, c.data_type, c.numeric_precision, c.numeric_scale, c.column_type
FROM information_schema.columns c
JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
WHERE c.table_schema = %s AND t.table_type = 'BASE TABLE'
ORDER BY c.table_name, c.ordinal_position
