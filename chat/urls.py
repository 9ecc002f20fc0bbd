from django.urls import path

from chat import api, views

urlpatterns = [
    path("", views.widget_demo, name="widget-demo"),
    path("api/v1/conversations/", api.ConversationList.as_view(), name="api-conversations"),
    path("api/v1/conversations/<uuid:conversation_id>/", api.ConversationTranscript.as_view(), name="api-conversation"),
    path("api/v1/conversations/<uuid:conversation_id>/transcript.txt", api.ConversationTranscript.as_view(),
         {"download": "txt"}, name="api-transcript-txt"),
    path("api/v1/conversations/<uuid:conversation_id>/transcript.csv", api.ConversationTranscript.as_view(),
         {"download": "csv"}, name="api-transcript-csv"),
    path("api/v1/conversations/<uuid:conversation_id>/end", api.ConversationEnd.as_view(), name="api-conversation-end"),
]
