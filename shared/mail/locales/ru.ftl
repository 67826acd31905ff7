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
two_factor_enabled-subject = Двухфакторная аутентификация SecBoard включена
two_factor_enabled-body = Для вашей учётной записи SecBoard только что включена двухфакторная аутентификация. Теперь при входе потребуется код из приложения-аутентификатора. Храните резервные коды в надёжном месте.
two_factor_enabled-ignore = Если это были не вы, немедленно обратитесь к администратору SecBoard.
two_factor_disabled-subject = Двухфакторная аутентификация SecBoard отключена
two_factor_disabled-body = Для вашей учётной записи SecBoard только что отключена двухфакторная аутентификация. Теперь для входа нужен только пароль.
two_factor_disabled-ignore = Если это были не вы, немедленно обратитесь к администратору SecBoard.
two_factor_reset-subject = Двухфакторная аутентификация SecBoard сброшена
two_factor_reset-body = Администратор сбросил двухфакторную аутентификацию вашей учётной записи SecBoard: приложение-аутентификатор и резервные коды больше не действуют, а все сеансы завершены. Настройте новое устройство при следующем входе.
two_factor_reset-ignore = Если вы этого не просили, немедленно обратитесь к администратору SecBoard.
backup_codes_regenerated-subject = Новые резервные коды SecBoard
backup_codes_regenerated-body = Для вашей учётной записи SecBoard только что созданы новые резервные коды; все прежние коды больше не действуют.
backup_codes_regenerated-ignore = Если это были не вы, смените пароль и немедленно обратитесь к администратору SecBoard.
email_changed-subject = Адрес электронной почты вашей учётной записи SecBoard изменён
email_changed-body = Администратор изменил адрес электронной почты вашей учётной записи SecBoard: с этим адресом больше нельзя войти, отправленные на него ссылки больше не действуют, и все ваши сеансы завершены.
email_changed-ignore = Если вы этого не ожидали, немедленно обратитесь к администратору SecBoard.
password_set_by_admin-subject = Администратор установил ваш пароль SecBoard
password_set_by_admin-body = Администратор установил новый пароль для вашей учётной записи SecBoard, и все ваши сеансы завершены.
password_set_by_admin-ignore = Если вы этого не ожидали, немедленно обратитесь к администратору SecBoard.
