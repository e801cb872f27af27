"""The GST portal through a GSP: GSTN's taxpayer API (OTP session, encryption) behind one client.

- ``service``: the connector in one call each (``pull``, ``push``, ``connect``), from settings;
- ``sessions``: login with an OTP, refresh, logout, the session a call runs on;
- ``pull`` / ``push`` / ``uploads``: IMS and GSTR-2B into the database, decisions onto the portal;
- ``client``: the portal's calls and answers; ``transport``: how they travel (GSTN's encrypted
  pass-through); ``http``: requests and retries; ``crypto``: the ciphers, from ``cryptography``;
- ``profile``: the one table of paths, versions and headers a GSP may vary;
- ``outcomes``: what was done, read back (status, refused records); ``errors``: what went wrong.

Nothing is imported here: ``ims action show`` reads ``outcomes`` without loading the ciphers.
"""
