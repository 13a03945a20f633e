"""The parents' site: server-rendered pages (Jinja), in Simplified Chinese, on the same services
and rules as the API. Everything works with JavaScript off; a little vanilla JS helps."""
