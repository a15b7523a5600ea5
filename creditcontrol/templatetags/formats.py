"""The page formats as template filters (a builtin: every template has them without `{% load %}`).

`{{ amount|money:currency }}` → `1.234,56 EUR`, `{{ amount|number:1 }}` → `45,3`, `{{ date|day }}` →
`29.11.2026`, `{{ datetime|moment }}` → `29.11.2026 14:05` (the tenant's zone), each in the current
tenant's locale (creditcontrol.formats). Value attributes of date inputs stay ISO (`|date:"Y-m-d"`).
"""

from django import template

from creditcontrol.formats import day_text, moment_text, money_text, number_text

register = template.Library()


@register.filter
def money(value, currency=None):
    return money_text(value, currency or None)


@register.filter
def number(value, decimals=0):
    return number_text(value, int(decimals))


@register.filter
def day(value):
    return day_text(value)


@register.filter
def moment(value):
    return moment_text(value)
