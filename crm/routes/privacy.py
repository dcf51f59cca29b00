"""Personal data: subject access exports, erasure and the retention report."""

urlpatterns = []
