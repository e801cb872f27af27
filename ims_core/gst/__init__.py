"""The GST facts the rest of the core stands on: GSTINs, money in paise, dates and return periods,
statutory due dates, and what the portal's codes mean. No database, no I/O."""
