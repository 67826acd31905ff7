greeting = Вітаємо, { $name }!
signature = SecBoard
minutes = { $count ->
    [one] { $count } хвилина
    [few] { $count } хвилини
   *[many] { $count } хвилин
}
hours = { $count ->
    [one] { $count } година
    [few] { $count } години
   *[many] { $count } годин
}
password_reset-subject = Скидання пароля SecBoard
password_reset-body = Хтось попросив скинути пароль вашого облікового запису SecBoard. Щоб обрати новий пароль, відкрийте посилання нижче. Воно одноразове, строк дії — { $duration }.
password_reset-ignore = Якщо це були не ви, просто проігноруйте цей лист: ваш пароль не зміниться.
password_reset-action = Обрати новий пароль
first_access-subject = Ваш обліковий запис SecBoard готовий
first_access-body = Адміністратор надав вам доступ до SecBoard. Щоб встановити пароль, відкрийте посилання нижче. Воно одноразове, строк дії — { $duration }.
first_access-ignore = Якщо ви не очікували цього листа, можете його проігнорувати.
first_access-action = Встановити пароль
magic_link-subject = Ваше посилання для входу в SecBoard
magic_link-body = Скористайтеся посиланням нижче, щоб увійти до SecBoard і заповнити профіль. Воно одноразове, строк дії — { $duration }.
magic_link-ignore = Якщо ви його не запитували, проігноруйте цей лист.
magic_link-action = Увійти
password_changed-subject = Пароль SecBoard змінено
password_changed-body = Пароль вашого облікового запису SecBoard щойно змінено, а всі інші сеанси завершено.
password_changed-ignore = Якщо це були не ви, негайно зверніться до адміністратора SecBoard.
two_factor_enabled-subject = Двофакторну автентифікацію SecBoard увімкнено
two_factor_enabled-body = Для вашого облікового запису SecBoard щойно увімкнено двофакторну автентифікацію. Тепер під час входу буде потрібен код із застосунку-автентифікатора. Зберігайте резервні коди в безпечному місці.
two_factor_enabled-ignore = Якщо це були не ви, негайно зверніться до адміністратора SecBoard.
two_factor_disabled-subject = Двофакторну автентифікацію SecBoard вимкнено
two_factor_disabled-body = Для вашого облікового запису SecBoard щойно вимкнено двофакторну автентифікацію. Тепер для входу потрібен лише пароль.
two_factor_disabled-ignore = Якщо це були не ви, негайно зверніться до адміністратора SecBoard.
two_factor_reset-subject = Двофакторну автентифікацію SecBoard скинуто
two_factor_reset-body = Адміністратор скинув двофакторну автентифікацію вашого облікового запису SecBoard: застосунок-автентифікатор і резервні коди більше не діють, а всі сеанси завершено. Налаштуйте новий пристрій під час наступного входу.
two_factor_reset-ignore = Якщо ви цього не просили, негайно зверніться до адміністратора SecBoard.
backup_codes_regenerated-subject = Нові резервні коди SecBoard
backup_codes_regenerated-body = Для вашого облікового запису SecBoard щойно створено нові резервні коди; усі попередні коди більше не діють.
backup_codes_regenerated-ignore = Якщо це були не ви, змініть пароль і негайно зверніться до адміністратора SecBoard.
email_changed-subject = Адресу електронної пошти вашого облікового запису SecBoard змінено
email_changed-body = Адміністратор змінив адресу електронної пошти вашого облікового запису SecBoard: з цією адресою більше не можна увійти, надіслані на неї посилання більше не діють, і всі ваші сеанси завершено.
email_changed-ignore = Якщо ви цього не очікували, негайно зверніться до адміністратора SecBoard.
password_set_by_admin-subject = Адміністратор встановив ваш пароль SecBoard
password_set_by_admin-body = Адміністратор встановив новий пароль для вашого облікового запису SecBoard, і всі ваші сеанси завершено.
password_set_by_admin-ignore = Якщо ви цього не очікували, негайно зверніться до адміністратора SecBoard.
