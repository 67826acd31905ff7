greeting = Здравствуйте, { $name }!
signature = SecBoard
minutes = { $count ->
    [one] { $count } минута
    [few] { $count } минуты
   *[many] { $count } минут
}
hours = { $count ->
    [one] { $count } час
    [few] { $count } часа
   *[many] { $count } часов
}
password_reset-subject = Сброс пароля SecBoard
password_reset-body = Кто-то запросил сброс пароля вашей учётной записи SecBoard. Чтобы выбрать новый пароль, откройте ссылку ниже. Она одноразовая, срок действия — { $duration }.
password_reset-ignore = Если это были не вы, просто проигнорируйте это письмо: ваш пароль не изменится.
password_reset-action = Выбрать новый пароль
first_access-subject = Ваша учётная запись SecBoard готова
first_access-body = Администратор предоставил вам доступ к SecBoard. Чтобы установить пароль, откройте ссылку ниже. Она одноразовая, срок действия — { $duration }.
first_access-ignore = Если вы не ожидали этого письма, можете его проигнорировать.
first_access-action = Установить пароль
magic_link-subject = Ваша ссылка для входа в SecBoard
magic_link-body = Воспользуйтесь ссылкой ниже, чтобы войти в SecBoard и заполнить профиль. Она одноразовая, срок действия — { $duration }.
magic_link-ignore = Если вы её не запрашивали, проигнорируйте это письмо.
magic_link-action = Войти
password_changed-subject = Пароль SecBoard изменён
password_changed-body = Пароль вашей учётной записи SecBoard только что изменён, а все остальные сеансы завершены.
password_changed-ignore = Если это были не вы, немедленно обратитесь к администратору SecBoard.
