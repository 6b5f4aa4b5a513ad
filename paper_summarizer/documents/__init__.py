"""From a source string to paper text: resolve it, fetch its bytes, convert them to markdown."""
