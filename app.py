"""Dataset Atlas: the Streamlit entry point (routing only; each view's body is in pages/)."""

from dataset_atlas.ui.app import run_app

run_app()
