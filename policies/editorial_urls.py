"""Sign-in, drafts, review queue, themes and links, history, import: campaigners'
and editors' pages."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import editorial_views as views

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("accounts/tokens/", views.api_tokens, name="api-tokens"),
    path("editorial/drafts/", views.my_drafts, name="my-drafts"),
    path("editorial/review/", views.review_queue, name="review-queue"),
    path(
        "editorial/proposals/<str:reference>/new-update/",
        views.update_create,
        name="update-create",
    ),
    path("editorial/updates/<int:pk>/", views.update_review, name="update-review"),
    path("editorial/updates/<int:pk>/edit/", views.update_edit, name="update-edit"),
    path("editorial/updates/<int:pk>/submit/", views.update_submit, name="update-submit"),
    path("editorial/updates/<int:pk>/publish/", views.update_publish, name="update-publish"),
    path("editorial/updates/<int:pk>/return/", views.update_return, name="update-return"),
    path("editorial/updates/<int:pk>/correct/", views.update_correct, name="update-correct"),
    path("editorial/evidence/<int:pk>/edit/", views.evidence_edit, name="evidence-edit"),
    path(
        "editorial/proposals/<str:reference>/themes/",
        views.proposal_themes,
        name="proposal-themes",
    ),
    path("editorial/themes/", views.theme_list, name="theme-list"),
    path("editorial/themes/new/", views.theme_edit, name="theme-create"),
    path("editorial/themes/<int:pk>/edit/", views.theme_edit, name="theme-edit"),
    path("editorial/themes/<int:pk>/delete/", views.theme_delete, name="theme-delete"),
    path("editorial/links/", views.link_list, name="link-list"),
    path("editorial/links/new/", views.link_edit, name="link-create"),
    path("editorial/links/<int:pk>/edit/", views.link_edit, name="link-edit"),
    path("editorial/links/<int:pk>/delete/", views.link_delete, name="link-delete"),
    path("editorial/history/", views.history_index, name="history"),
    path("editorial/history/<str:kind>/<int:pk>/", views.history_detail, name="history-detail"),
    path("editorial/import/", views.import_upload, name="import"),
    path("editorial/import/template.csv", views.import_template, name="import-template"),
    path("editorial/import/jobs/<str:job_id>/", views.import_job, name="import-job"),
]
