"""The HTTP edge: the app factory (composition root), controllers, error mapping."""
