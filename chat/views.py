from django.conf import settings
from django.shortcuts import render
from django.templatetags.static import static


def widget_demo(request):
    """The widget embedded on a page of the product itself, with the tag to copy."""
    return render(request, "widget/demo.html", {
        "widget_url": request.build_absolute_uri(static("widget/widget.js")),
        "queue": settings.CHAT_DEFAULT_QUEUE,
    })
