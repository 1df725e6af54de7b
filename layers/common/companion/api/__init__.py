"""The REST API for operators and non-Discord clients: one FastAPI app (``app.create_app``),
served by functions/api through Mangum in AWS and by uvicorn locally (`make api`). Routes parse
and authorise, then call the same services the Discord path calls; they never touch SQL."""
