from dataset_atlas.ui.pages import render_dataset_page

render_dataset_page()
