"""Order e-mails (confirmed, ready for pickup), sent over SMTP after the order is committed."""
