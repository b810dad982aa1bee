"""The admin pages for people: grant roles (the Tag Wranglers group) and staff."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Pseud, User


class PseudInline(admin.TabularInline):
    model = Pseud
    extra = 0
    fields = ["name", "is_default", "description"]


@admin.register(User)
class ChapterhouseUserAdmin(UserAdmin):
    inlines = [PseudInline]
    list_display = ["username", "email", "is_staff", "is_active", "date_joined"]
    search_fields = ["username", "email"]
