from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from shortscience.accounts.ratelimit import rate_limited
from shortscience.uploads import services
from shortscience.web.http import next_url, wants_json


@login_required
@require_POST
@rate_limited("upload")
def upload(request):
    """Store one image; answer its URL and Markdown (JSON), or go back and show the Markdown."""
    back = next_url(request, "/")
    file = request.FILES.get("file")
    try:
        if file is None:
            raise ValidationError("Choose an image to upload.")
        if file.size > settings.UPLOAD_MAX_BYTES:
            raise ValidationError(
                f"An image can be at most {services._mb(settings.UPLOAD_MAX_BYTES)}."
            )
        upload = services.store_upload(user=request.user, data=file.read())
    except ValidationError as e:
        error = " ".join(e.messages)
        if wants_json(request):
            return JsonResponse({"error": error}, status=400)
        messages.error(request, error)
        return redirect(back)
    markdown = services.markdown_for(upload, file.name)
    if wants_json(request):
        return JsonResponse({"url": upload.url, "markdown": markdown})
    messages.success(request, f"Image uploaded. Paste this into your text: {markdown}")
    return redirect(back)
