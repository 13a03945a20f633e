"""HTTP edge helpers shared by the API and the pages: decoding bodies and streamed uploads.

Below `api` and `web`, above `services`: both entry points import it, it imports neither."""
