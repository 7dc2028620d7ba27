from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

PARAGRAPHS = [
    "A page of a plain Django project: a title, three paragraphs, a menu and a form.",
    "It is what any Django site costs before it does anything of its own.",
    "Every page of the site is measured against it, in the same run.",
]


def page(request: HttpRequest) -> HttpResponse:
    return render(request, "reference/page.html", {"title": "Reference", "paragraphs": PARAGRAPHS})
