from django.contrib import admin

from cchc.citizens.models import (
    Counter,
    SamplePopulation,
    SurveyDefinition,
    SurveyElement,
    SurveyQuestion,
)


class ElementInline(admin.TabularInline):
    model = SurveyElement
    extra = 0


@admin.register(SurveyDefinition)
class SurveyDefinitionAdmin(admin.ModelAdmin):
    list_display = ("title", "code", "version", "is_active", "illustrative")
    inlines = [ElementInline]


@admin.register(SurveyQuestion)
class SurveyQuestionAdmin(admin.ModelAdmin):
    list_display = ("text", "element", "position")
    list_filter = ("element__definition",)


@admin.register(Counter)
class CounterAdmin(admin.ModelAdmin):
    list_display = ("name", "agency", "is_active")
    search_fields = ("name", "agency__name")
    autocomplete_fields = ("agency",)


@admin.register(SamplePopulation)
class SamplePopulationAdmin(admin.ModelAdmin):
    list_display = ("agency", "year", "quarter", "population")
