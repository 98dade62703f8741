"""Scripts, event handlers and javascript in outputs and in a written answer, for the TA's page.

target: q1-fit_simple_linear
keep_reference: true
written: <img src=x onerror="document.title='AGXSS-markdown'"> <script>document.title='AGXSS-md-script'</script> [click](javascript:document.title='AGXSS-link')
inactive: <script[^>]*>[^<]*AGXSS, \bon\w+\s*=\s*["']?[^"'>]*AGXSS, javascript:[^"'<]*AGXSS, <svg
"""
from IPython.display import HTML, Javascript, display

display(HTML("<img src=x onerror=\"document.title='AGXSS-html'\"><script>document.title='AGXSS-html-script'</script>"))
display(Javascript("document.title='AGXSS-js'"))
display({"image/svg+xml": "<svg onload=\"document.title='AGXSS-svg'\"></svg>",
         "text/plain": "svg"}, raw=True)
display({"image/png": "iVBORw0KGgo="}, metadata={"image/png": {"width": "1 onerror=document.title='AGXSS-meta'"}}, raw=True)
display({"text/markdown": "<img src=x onerror=\"document.title='AGXSS-mdout'\">"}, raw=True)
_kernel = get_ipython().kernel  # noqa: F821
_kernel.session.send(_kernel.iopub_socket, "stream",
                     {"name": "stdout\"><img src=x onerror=document.title='AGXSS-stream'>",
                      "text": "hi"}, parent=_kernel.get_parent())
_kernel.session.send(_kernel.iopub_socket, "execute_input",
                     {"code": "", "execution_count": "<img src=x onerror=document.title='AGXSS-prompt'>"},
                     parent=_kernel.get_parent())
