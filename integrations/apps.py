from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self):
        # Registers the OpenAPI descriptions of the API's authentication schemes.
        from integrations import schema  # noqa: F401
