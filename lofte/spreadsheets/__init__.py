"""Admin import and export: the resources, the uploaded file, imports saved in bulk, exports
read in chunks (big ones on a worker), and the csv and xlsx writers."""
