"""The HTTP edge of the app server: security headers on every response and the session cookie endpoint.

``streamlit run app.py`` finds the ``st.App`` that ``app.py`` builds when it is imported as a module (Streamlit 1.67's
supported way to add routes and middleware to its own Starlette server) and serves it with uvicorn; the same file,
run as the Streamlit script, is the router. Nothing here imports Streamlit except :mod:`novamind_server.asgi`.
"""
