"""Interactive demos of the course: change blindness, be-the-observer, model explorer.

Computation lives in pure, tested modules (:mod:`.flicker`, :mod:`.observer`,
:mod:`.explorer`); :mod:`.ui` wraps them in ipywidgets/anywidget shells that
work in JupyterLab, Notebook 7 and Colab (ipywidgets 7.7 and 8.x). Without a
browser (papermill) a shell displays its initial state and returns.
"""
