-- 002_forecast.sql: the settings of KPI forecasts (sql/logic/kpi.sql,
-- kpi_forecast_of): the latest readings the trend goes through, at least
-- four, and the days ahead it looks.
INSERT INTO setting_names VALUES ('forecast_window'), ('forecast_horizon');
INSERT INTO settings VALUES ('forecast_window', 8), ('forecast_horizon', 14);
ALTER TABLE settings ADD CONSTRAINT settings_forecast_window_min
	CHECK (name <> 'forecast_window' OR value >= 4);
