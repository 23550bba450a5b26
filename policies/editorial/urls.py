"""Sign-in, drafts, review queue, themes and links, history, import: campaigners'
and editors' pages."""

from django.contrib.auth import views as auth_views
from django.urls import path

from .views import (
    accounts,
    acting_bodies,
    criteria,
    evidence,
    history,
    imports,
    reference_data,
    two_factor,
    updates,
    watch,
)

urlpatterns = [
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/change/",
        accounts.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/password/reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
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
    path("accounts/tokens/", accounts.api_tokens, name="api-tokens"),
    path(
        "accounts/notifications/",
        accounts.notification_settings,
        name="notification-settings",
    ),
    path("editorial/drafts/", updates.my_drafts, name="my-drafts"),
    path("editorial/review/", updates.review_queue, name="review-queue"),
    path(
        "editorial/proposals/<str:reference>/new-update/",
        updates.update_create,
        name="update-create",
    ),
    path("editorial/updates/<int:pk>/", updates.update_review, name="update-review"),
    path("editorial/updates/<int:pk>/edit/", updates.update_edit, name="update-edit"),
    path("editorial/updates/<int:pk>/submit/", updates.update_submit, name="update-submit"),
    path("editorial/updates/<int:pk>/publish/", updates.update_publish, name="update-publish"),
    path("editorial/updates/<int:pk>/return/", updates.update_return, name="update-return"),
    path("editorial/updates/<int:pk>/correct/", updates.update_correct, name="update-correct"),
    path(
        "editorial/updates/<int:pk>/propose-correction/",
        updates.update_propose_correction,
        name="update-propose-correction",
    ),
    path("editorial/sources/search/", updates.source_search, name="source-search"),
    path("editorial/evidence/<int:pk>/edit/", evidence.evidence_edit, name="evidence-edit"),
    path(
        "editorial/proposals/<str:reference>/themes/",
        reference_data.proposal_themes,
        name="proposal-themes",
    ),
    path(
        "editorial/proposals/<str:reference>/criteria/",
        criteria.proposal_criteria,
        name="proposal-criteria",
    ),
    path("editorial/themes/", reference_data.theme_list, name="theme-list"),
    path("editorial/themes/new/", reference_data.theme_edit, name="theme-create"),
    path("editorial/themes/<int:pk>/edit/", reference_data.theme_edit, name="theme-edit"),
    path("editorial/themes/<int:pk>/delete/", reference_data.theme_delete, name="theme-delete"),
    path("editorial/links/", reference_data.link_list, name="link-list"),
    path("editorial/links/new/", reference_data.link_edit, name="link-create"),
    path("editorial/links/<int:pk>/edit/", reference_data.link_edit, name="link-edit"),
    path("editorial/links/<int:pk>/delete/", reference_data.link_delete, name="link-delete"),
    path("editorial/history/", history.history_index, name="history"),
    path("editorial/history/<str:kind>/<int:pk>/", history.history_detail, name="history-detail"),
    path("editorial/import/", imports.import_upload, name="import"),
    path("editorial/import/template.csv", imports.import_template, name="import-template"),
    path("editorial/import/jobs/<str:job_id>/", imports.import_job, name="import-job"),
    path("editorial/import/values/", imports.import_values, name="import-values"),
    path("editorial/import/values.csv", imports.import_values_csv, name="import-values-csv"),
    path("editorial/import/submit-all/", imports.import_submit_all, name="import-submit-all"),
]

# --- Acting bodies: reference data editors keep (versioned, with history) ---
urlpatterns += [
    path("editorial/acting-bodies/", acting_bodies.acting_body_list, name="acting-body-list"),
    path("editorial/acting-bodies/new/", acting_bodies.acting_body_edit, name="acting-body-create"),
    path(
        "editorial/acting-bodies/<int:pk>/edit/",
        acting_bodies.acting_body_edit,
        name="acting-body-edit",
    ),
    path(
        "editorial/acting-bodies/<int:pk>/merge/",
        acting_bodies.acting_body_merge,
        name="acting-body-merge",
    ),
]

# --- Watch: status suggestions from indicator figures, and evidence link reports ---
urlpatterns += [
    path(
        "editorial/suggestions/<int:pk>/accept/", watch.suggestion_accept, name="suggestion-accept"
    ),
    path(
        "editorial/suggestions/<int:pk>/dismiss/",
        watch.suggestion_dismiss,
        name="suggestion-dismiss",
    ),
    path("editorial/suggestions/<int:pk>/draft/", watch.suggestion_draft, name="suggestion-draft"),
    path("editorial/link-reports/", watch.link_reports, name="link-reports"),
]

# --- Sign-in: the code step and two-step sign-in (TOTP) for editors and admins ---
urlpatterns += [
    path("accounts/login/code/", accounts.sign_in_code, name="login-code"),
    path("accounts/two-factor/", two_factor.two_factor, name="two-factor"),
    path("accounts/two-factor/enrol/", two_factor.two_factor_enrol, name="two-factor-enrol"),
    path("accounts/two-factor/confirm/", two_factor.two_factor_confirm, name="two-factor-confirm"),
    path("accounts/two-factor/remove/", two_factor.two_factor_remove, name="two-factor-remove"),
]
