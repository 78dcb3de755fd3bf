from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from satupintu.accounts.selectors import staff_roles_summary
from satupintu.catalog.selectors import mall_list


def home(request: HttpRequest) -> HttpResponse:
    malls = list(mall_list())
    if len(malls) == 1:
        return redirect("portal:mall", slug=malls[0].slug)
    return render(request, "portal/home.html", {"malls": malls})


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/staff_home.html", {"roles": staff_roles_summary(request.user)})
