"""One module per ``saliency-course`` subcommand (``add_arguments`` and ``run``)."""
