"""One router per resource; :data:`geoplan.api.app.ROUTERS` lists which are mounted."""
