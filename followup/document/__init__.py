"""The follow-up document (/uppfoljning/): its data, chart, template tags, PDF and views."""
