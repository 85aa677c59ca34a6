from dataset_atlas.ui.browse import render_browse

render_browse()
