"""What every ModelAdmin of the project builds on: admin scoped to the coordinator's promises,
and history pages in Swedish. The promise's own admin is `lofte/admin.py`."""
