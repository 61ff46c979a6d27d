from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts import throttles
from accounts.backends import EmailBackend
from accounts.forms import ProfileForm, SignInForm
from core.htmx import HtmxRequest
from core.net import client_ip
from core.throttle import retry_after_any


def _safe_next(request: HtmxRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return None


def _throttled_message(seconds: int) -> str:
    minutes = max(1, (seconds + 59) // 60)
    return ngettext(
        "Too many attempts. Try again in %(count)d minute.",
        "Too many attempts. Try again in %(count)d minutes.",
        minutes,
    ) % {"count": minutes}


@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def sign_in(request: HtmxRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request) or "workspaces:home")
    form = SignInForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        email, ip = form.cleaned_data["email"], client_ip(request)
        checks = [(throttles.LOGIN_BY_EMAIL, email), (throttles.LOGIN_BY_IP, ip)]
        wait = retry_after_any(checks)
        if wait:
            form.add_error(None, _throttled_message(wait))
            response = render(request, "accounts/sign_in.html", {"form": form, "next": _safe_next(request)}, status=429)
            response["Retry-After"] = str(wait)
            return response
        user = EmailBackend().authenticate(request, email=email, password=form.cleaned_data["password"])
        if user is None:
            for throttle, identity in checks:
                throttle.hit(identity)
            form.add_error(None, _("That email and password do not match an account."))
            status = 400
        else:
            throttles.LOGIN_BY_EMAIL.reset(email)
            # login() gives the session a new key, so a session id planted before sign-in is useless.
            login(request, user, backend="accounts.backends.EmailBackend")
            return redirect(_safe_next(request) or "workspaces:home")
    elif request.method == "POST":
        status = 400
    return render(request, "accounts/sign_in.html", {"form": form, "next": _safe_next(request)}, status=status)


@require_POST
def sign_out(request: HtmxRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("accounts:login")


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HtmxRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, request.FILES or None, instance=request.user)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("Your profile has been saved."))
            return redirect("accounts:profile")
        return render(request, "accounts/profile.html", {"form": form}, status=400)
    return render(request, "accounts/profile.html", {"form": form})


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset flow, throttled per IP and per address. The answer is the same page
    whether or not the address has an account, so it cannot be used to find teammates."""

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    html_email_template_name = "accounts/email/password_reset.html"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        email, ip = form.cleaned_data["email"], client_ip(self.request)
        checks = [(throttles.PASSWORD_RESET_BY_IP, ip), (throttles.PASSWORD_RESET_BY_EMAIL, email)]
        wait = retry_after_any(checks)
        if wait:
            form.add_error(None, _throttled_message(wait))
            response = self.render_to_response(self.get_context_data(form=form), status=429)
            response["Retry-After"] = str(wait)
            return response
        for throttle, identity in checks:
            throttle.hit(identity)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    post_reset_login = False


password_reset = PasswordResetView.as_view()
password_reset_done = auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
password_reset_confirm = PasswordResetConfirmView.as_view()
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)
