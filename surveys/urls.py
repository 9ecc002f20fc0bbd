from django.urls import path

from surveys import api, views

app_name = "surveys"

urlpatterns = [
    path("surveys/<str:token>/", views.survey_page, name="page"),
    path("api/v1/surveys/responses/", api.SurveyResponsesApi.as_view(), name="api-responses"),
    path("api/v1/surveys/summary/", api.SurveySummaryApi.as_view(), name="api-summary"),
]
