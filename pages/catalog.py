from dataset_atlas.ui.pages import render_catalog_page

render_catalog_page()
