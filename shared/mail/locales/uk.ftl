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
