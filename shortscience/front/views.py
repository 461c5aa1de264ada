from __future__ import annotations

from django.shortcuts import render

from shortscience.summaries.models import Summary


def home(request):
    public = Summary.objects.public()
    latest = public.select_related("user", "paper").order_by("-edited")[:30]
    return render(request, "front/home.html", {"latest": latest, "public_count": public.count()})
