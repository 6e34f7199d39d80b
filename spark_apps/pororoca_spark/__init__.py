"""PySpark jobs of the lakehouse: bronze change logs -> silver current state -> gold KPIs, and table care."""
