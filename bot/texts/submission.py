"""Spanish texts of a sent response: the read-only review, a correction, the close."""

SENT_TITLE = "<b>Sus respuestas enviadas — {cluster}</b> (versión {version}, {when})"
SENT_FOOTER = (
    "Esta es la versión que cuenta en la medición. Para cambiar algo, pulse «Corregir mis "
    "respuestas»: la versión enviada sigue contando hasta que envíe la nueva."
)
SENT_FOOTER_CLOSED = (
    "Esta es la versión que contó en la medición {campaign}, que ya cerró: ya no se puede cambiar."
)
BTN_CORRECT = "Corregir mis respuestas"
CORRECTING = (
    "Puede corregir sus respuestas. La versión que envió el {when} sigue contando hasta que "
    "envíe la nueva con «Enviar»; si la medición cierra antes, cuenta la enviada."
)
CORRECTION_OPEN = (
    "Tiene una corrección abierta: la versión que envió el {when} sigue contando hasta que envíe "
    "esta con «Enviar»."
)
CLOSED_SENT = (
    "La medición {campaign} ya cerró. Cuenta la versión de sus respuestas que envió el {when}; "
    "los cambios que no alcanzó a enviar no se tomaron. Escriba /resultado para ver sus "
    "resultados."
)
CLOSED_UNSENT = (
    "La medición {campaign} ya cerró sin que se enviaran sus respuestas, así que no cuentan en "
    "esta medición. Gracias por su interés."
)
PAUSED_HOLD = (
    "Está en pausa: no tomé ese mensaje como respuesta. Escriba /continuar para seguir donde quedó."
)


# --- an analyst's request to revisit answers (issue 13) ---------------------------------------

FOLLOW_UP = (
    "📝 La Red Clúster Colombia revisó las respuestas de <b>{cluster}</b> (medición {campaign}) "
    "y le pide revisar:\n{questions}"
)
FOLLOW_UP_QUESTION = "• {question}"
FOLLOW_UP_NOTE = "\nNota de la Red: «{note}»"
FOLLOW_UP_HOW = (
    "\nPulse una pregunta para corregirla; luego envíe de nuevo con «Enviar». Su versión enviada "
    "sigue contando hasta entonces."
)
BTN_FOLLOW_UP = "Corregir: {question}"
