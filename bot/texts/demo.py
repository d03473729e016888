"""What ``ssme demo`` prints in the terminal around the chat (the chat itself is the bot's)."""

from __future__ import annotations

MANAGER_NAME = "Ana"
ADMIN_NAME = "Marta"

INTRO = (
    "Demo del bot SSME, sin conexión: el bot real habla con un servidor de Telegram local.\n"
    "Escriba como en Telegram; para pulsar un botón escriba # y su número (por ejemplo #2).\n"
    "/ayuda: qué probar · /rol: cambiar entre la gestora y la analista de la Red · "
    "/salir: terminar.\n"
    "Todo queda en {folder}: la base de datos, los archivos que recibe y el registro "
    "(demo.log). Si vuelve a ejecutar la demo, sigue donde quedó; --reset empieza de cero."
)
SEEDED = (
    "Red de demostración creada en {seconds} s: {clusters} clústeres en {departments} "
    "departamentos y los tres sectores, {managers} gestores; medición {previous} cerrada "
    "({answered} respuestas), medición {current} abierta ({sent} enviadas, {drafts} en curso)."
)
SIDE_MANAGER = "── Ahora es {name}, gestora del {cluster} (/rol: pasar al lado de la Red) ──"
SIDE_ADMIN = (
    "── Ahora es {name}, analista de la Red Clúster, administradora del bot "
    "(/rol: pasar al lado de la gestora) ──"
)
OTHER_SIDE = "(📨 {name} tiene {n} mensaje(s) nuevo(s) del bot: /rol para verlos)"
GUIDE = (
    "💡 Qué probar en la demo\n"
    "Lado de la gestora ({manager}, {cluster}):\n"
    "  • responda con los botones (#1, #2…) o escribiendo la cifra; al final «Enviar»: su "
    "gráfica de araña (comparada con la Red, su sector y su medición anterior) y "
    "«Descargar informe (PDF)», su informe de resultados;\n"
    "  • /revisar (lo enviado), /resultado (de nuevo la gráfica), /mis_datos, /compartir "
    "(invitar a un colega a responder con usted);\n"
    "  • dos clústeres: como {admin}, /invitar {second_id}; como {manager}, /start y el código "
    "del enlace; luego /cambiar pasa de uno a otro.\n"
    "Lado de la Red ({admin}, analista):\n"
    "  • /resumen (informe ejecutivo en PDF; /resumen docx), /exportar (datos en Excel; "
    "/exportar csv), /participacion;\n"
    "  • /revision (la cola, con alertas: aprobar, ver el clúster), /cluster {cluster_id}, "
    "/clusters;\n"
    "  • cuando {manager} haya enviado: /pedir_ajuste {cluster_id} empresas_activas | Revise "
    "con el acta (le llega a {manager}: /rol para verlo).\n"
    "/rol cambia de lado; /salir termina. Los archivos quedan en {files}."
)
PHOTO_SAVED = "🖼️ foto guardada en {path}"
DOCUMENT_SAVED = "📎 documento guardado en {path}"
NO_BUTTON = "No hay un botón con ese número en el último mensaje."
NO_REPLY = "(el bot no respondió en {seconds} s; siga escribiendo o /salir)"
BYE = "Fin de la demo. Todo quedó en {folder}; ssme demo --reset empieza de cero."
RESET = "Se borró la demo anterior de {folder}."
NOT_A_DEMO = (
    "{db} no es una base de datos de la demo (no hay un demo.log a su lado): --reset no la borra"
)
# The analyst's request the seeded network already holds (one cluster sent back).
SEEDED_ASK_NOTE = (
    "Las empresas beneficiarias parecen altas frente a las activas: ¿puede revisarlas?"
)
