from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.template.response import TemplateResponse

from integrations.events import WebhookEvent
from integrations.models import ApiToken, WebhookDelivery, WebhookEndpoint
from integrations.scopes import Scope
from integrations.tokens import api_token_key_assign, api_token_revoke
from integrations.webhooks import delivery_redeliver


class ApiTokenForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(choices=Scope.choices, widget=forms.CheckboxSelectMultiple)
    owner = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_staff=True, is_active=True),
        help_text="The token acts as this staff user, narrowed to its scopes.",
    )

    class Meta:
        model = ApiToken
        fields = ["name", "owner", "scopes"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    form = ApiTokenForm
    list_display = ["name", "prefix", "owner", "scope_list", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "owner__username"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["owner"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        # Giving a token to another user would hand that user's powers to whoever holds the key.
        return [*self.readonly_fields, "owner"] if obj else self.readonly_fields

    @admin.display(description="scopes")
    def scope_list(self, token: ApiToken) -> str:
        return ", ".join(token.scopes)

    def save_model(self, request, obj, form, change):
        if not change:
            # Kept on the instance only until response_add shows it: the key is never stored.
            obj.new_key = api_token_key_assign(token=obj)
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        return TemplateResponse(request, "admin/integrations/apitoken/key_created.html", {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "API token created",
            "token": obj,
            "key": obj.new_key,
        })

    def has_delete_permission(self, request, obj=None):
        # Revoke instead: a revoked token stays listed, with when it stopped working.
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        revoked = sum(api_token_revoke(token=token) for token in queryset)
        self.message_user(request, f"{revoked} token(s) revoked.", messages.SUCCESS)


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=[(event.value, event.value) for event in WebhookEvent], widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "secret", "events", "is_active"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["name", "url", "event_list", "is_active", "created_at"]
    list_filter = ["is_active"]

    @admin.display(description="events")
    def event_list(self, endpoint: WebhookEndpoint) -> str:
        return ", ".join(endpoint.events)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "event_id", "endpoint", "status", "attempts", "last_error", "next_attempt_at",
                    "created_at", "delivered_at"]
    list_filter = ["status", "event", "endpoint"]
    search_fields = ["event_id"]
    ordering = ["-created_at"]
    list_select_related = ["endpoint"]
    # The log is written by the workers only; staff act on it through "redeliver".
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]
    actions = ["redeliver"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Redeliver the selected deliveries (same event id)")
    def redeliver(self, request, queryset):
        redelivered = sum(delivery_redeliver(delivery=delivery) for delivery in queryset)
        skipped = queryset.count() - redelivered
        self.message_user(request, f"{redelivered} delivery(ies) queued again.", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"{skipped} still pending: left alone.", messages.WARNING)
