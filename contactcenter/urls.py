from django.contrib import admin
from django.urls import include, path

from contactcenter.health import healthz
from contactcenter.metrics import metrics

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("", include("chat.urls")),
    path("", include("queueing.urls")),
    path("", include("surveys.urls")),
    path("", include("integrations.urls")),
]
