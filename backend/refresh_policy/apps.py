from django.apps import AppConfig


class RefreshPolicyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "refresh_policy"
    verbose_name = "refresh token policy"
