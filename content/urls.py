from django.urls import path

from . import lrs, views, views_browse, views_cartridge

app_name = "content"
urlpatterns = [
    path("browse/", views_browse.search_page, name="browse"),
    path("items/<int:page_id>/", views_browse.item_page, name="item"),
    path("items/<int:page_id>/download/<str:what>", views_browse.download, name="download"),
    path("cartridges/import/", views_cartridge.cartridge_import, name="cartridge_import"),
    path("play/<int:page_id>/", views.player, name="player"),
    path("run/<str:token>/", views.run, name="run"),
    path("run/<str:token>/f/<path:path>", views.run_file, name="run_file"),
    path("run/<str:token>/commit", views.commit, name="commit"),
    path("run/<str:token>/cmi5/launch/<int:index>", lrs.launch, name="cmi5_launch"),
    path("run/<str:token>/cmi5/fetch/<uuid:session_id>", lrs.fetch, name="cmi5_fetch"),
    path("run/<str:token>/xapi/statements", lrs.statements, name="statements"),
    path("run/<str:token>/xapi/activities/state", lrs.activity_state, name="activity_state"),
    path("run/<str:token>/xapi/agents/profile", lrs.agent_profile, name="agent_profile"),
    path("run/<str:token>/xapi/about", lrs.about, name="xapi_about"),
]
